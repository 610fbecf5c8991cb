package dev.fusion.readme;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a library on its way to Maven Central needs in its build: a LICENSE, POM metadata, sources
 * and javadoc jars for every module, a BOM listing every module at the parent's version, and a
 * release profile that signs and publishes.
 */
class BuildMetadataTest {

    static Path root() {
        return ReadmeQuickStartTest.readme().getParent();
    }

    static Document pom(Path file) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(file.toFile());
    }

    static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    static String text(Element parent, String name) {
        Element e = child(parent, name);
        return e == null ? null : e.getTextContent().trim();
    }

    static List<String> texts(Element parent, String container, String name) {
        List<String> out = new ArrayList<>();
        Element c = child(parent, container);
        if (c != null) {
            NodeList l = c.getElementsByTagName(name);
            for (int i = 0; i < l.getLength(); i++) {
                out.add(l.item(i).getTextContent().trim());
            }
        }
        return out;
    }

    @Test
    void theRepositoryHasTheApacheLicense() throws Exception {
        String license = Files.readString(root().resolve("LICENSE"));
        assertThat(license).contains("Apache License", "Version 2.0, January 2004", "END OF TERMS AND CONDITIONS");
    }

    @Test
    void theParentPomHasTheMetadataCentralRequiresAndAReleaseProfile() throws Exception {
        Element p = pom(root().resolve("pom.xml")).getDocumentElement();
        assertThat(text(p, "name")).isNotBlank();
        assertThat(text(p, "description")).isNotBlank();
        assertThat(text(p, "url")).startsWith("https://");
        assertThat(texts(p, "licenses", "name")).containsExactly("Apache-2.0");
        assertThat(child(p, "scm")).isNotNull();
        assertThat(text(child(p, "scm"), "connection")).startsWith("scm:git:");
        assertThat(texts(p, "developers", "name")).isNotEmpty();
        String pom = Files.readString(root().resolve("pom.xml"));
        assertThat(pom).contains("<artifactId>maven-source-plugin</artifactId>", "<artifactId>maven-javadoc-plugin</artifactId>",
                "<id>release</id>", "<artifactId>maven-gpg-plugin</artifactId>",
                "<artifactId>central-publishing-maven-plugin</artifactId>", "<goal>jar-no-fork</goal>");
        // Every plugin the build names has its version pinned in pluginManagement (or inline).
        NodeList plugins = p.getElementsByTagName("plugin");
        List<String> unpinned = new ArrayList<>();
        Element mgmt = child(child(p, "build"), "pluginManagement");
        List<String> managed = new ArrayList<>();
        NodeList m = mgmt.getElementsByTagName("plugin");
        for (int i = 0; i < m.getLength(); i++) {
            managed.add(text((Element) m.item(i), "artifactId"));
        }
        for (int i = 0; i < plugins.getLength(); i++) {
            Element pl = (Element) plugins.item(i);
            if (text(pl, "version") == null && !managed.contains(text(pl, "artifactId"))) {
                unpinned.add(text(pl, "artifactId"));
            }
        }
        assertThat(unpinned).isEmpty();
    }

    @Test
    void theBomListsEveryPublishedModuleAtTheParentsVersionAndPinsNothingElse() throws Exception {
        Element parent = pom(root().resolve("pom.xml")).getDocumentElement();
        Element bom = pom(root().resolve("fusion-bom/pom.xml")).getDocumentElement();
        assertThat(text(bom, "version")).isEqualTo(text(parent, "version"));
        assertThat(text(bom, "groupId")).isEqualTo(text(parent, "groupId"));
        assertThat(child(bom, "parent")).as("a BOM with a parent would pin the parent's third-party versions").isNull();
        assertThat(texts(bom, "licenses", "name")).containsExactly("Apache-2.0");
        List<String> modules = texts(parent, "modules", "module");
        modules.remove("fusion-bom");
        modules.removeIf(m -> m.contains("/")); // sample applications (examples/...) are not published
        List<String> managed = texts(child(bom, "dependencyManagement"), "dependencies", "artifactId");
        assertThat(managed).containsExactlyInAnyOrderElementsOf(modules);
        assertThat(texts(child(bom, "dependencyManagement"), "dependencies", "groupId")).containsOnly("dev.fusion");
    }
}
