import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarFile;

/**
 * The build's check that a published jar names its JPMS module: run by the parent pom in the verify phase
 * of every module (java .mvn/checks/CheckModuleName.java JAR PACKAGING DEPLOY_SKIPPED EXPECTED_NAME).
 * A jar module that is published (deploy not skipped) fails the build unless its packaged manifest has
 * {@code Automatic-Module-Name: EXPECTED_NAME}, and the name starts with {@code dev.fusion.}.
 */
public class CheckModuleName {
    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]);
        String packaging = args[1];
        boolean unpublished = Boolean.parseBoolean(args[2]);
        String expected = args.length > 3 ? args[3].trim() : "";
        if (!packaging.equals("jar") || unpublished) {
            return;
        }
        if (!expected.startsWith("dev.fusion.")) {
            fail(jar.getFileName() + " is published but its module sets no fusion.module.name property (dev.fusion.*)");
        }
        if (!Files.isRegularFile(jar)) {
            fail(jar + " was not built");
        }
        try (JarFile f = new JarFile(jar.toFile())) {
            String actual = f.getManifest() == null ? null
                    : f.getManifest().getMainAttributes().getValue("Automatic-Module-Name");
            if (!expected.equals(actual)) {
                fail(jar.getFileName() + ": Automatic-Module-Name is " + actual + ", expected " + expected);
            }
        }
        System.out.println("[module-name] " + jar.getFileName() + ": Automatic-Module-Name " + expected);
    }

    private static void fail(String message) {
        System.err.println("[module-name] " + message);
        System.exit(1);
    }
}
