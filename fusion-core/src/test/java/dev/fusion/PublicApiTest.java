package dev.fusion;

import dev.fusion.cost.PriceBook;
import dev.fusion.judge.Strategy;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The public API names only public types, and {@link Fusion#settings()} shows the effective configuration. */
class PublicApiTest {

    @Test
    void noPublicSignatureNamesAnInternalType() throws Exception {
        Set<String> leaks = new TreeSet<>();
        List<Class<?>> types = publicTypes();
        assertThat(types).as("public types found on the class path").contains(Fusion.class, FusionSettings.class, Strategy.class);
        for (Class<?> c : types) {
            check(c + " extends", c.getGenericSuperclass(), leaks);
            for (Type i : c.getGenericInterfaces()) {
                check(c + " implements", i, leaks);
            }
            for (Field f : c.getDeclaredFields()) {
                if (exposed(f.getModifiers())) {
                    check(c.getName() + "." + f.getName(), f.getGenericType(), leaks);
                }
            }
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                if (exposed(k.getModifiers())) {
                    for (Type p : k.getGenericParameterTypes()) {
                        check(c.getName() + ".<init>", p, leaks);
                    }
                }
            }
            for (Method m : c.getDeclaredMethods()) {
                if (exposed(m.getModifiers()) && !m.isSynthetic()) {
                    String where = c.getName() + "." + m.getName();
                    check(where, m.getGenericReturnType(), leaks);
                    for (Type p : m.getGenericParameterTypes()) {
                        check(where, p, leaks);
                    }
                    for (Type e : m.getGenericExceptionTypes()) {
                        check(where, e, leaks);
                    }
                }
            }
        }
        assertThat(leaks).as("public signatures naming an internal type").isEmpty();
    }

    @Test
    void settingsShowTheEffectiveConfigurationWithoutInternalTypes() {
        ChatModel a = model("fake:a");
        ChatModel judge = model("fake:judge");
        Fusion f = Fusion.builder().panel(a).judge(judge).quorum(1).grace(Duration.ofSeconds(3))
                .maxOutputTokens(300).judgeMaxOutputTokens(700).shuffleSeed(7).build();
        FusionSettings s = f.settings();
        assertThat(s.panel()).extracting(Member::id).containsExactly("fake:a");
        assertThat(s.judges()).extracting(Member::id).containsExactly("fake:judge");
        assertThat(s.strategy().name()).isEqualTo(Strategy.synthesize().name());
        assertThat(s.quorum()).isEqualTo(1);
        assertThat(s.grace()).isEqualTo(Duration.ofSeconds(3));
        assertThat(s.memberTimeout()).as("default").isEqualTo(Duration.ofSeconds(60));
        assertThat(s.judgeTimeout()).as("default").isEqualTo(Duration.ofSeconds(120));
        assertThat(s.deadline()).as("default").isEqualTo(Duration.ofSeconds(180));
        assertThat(s.maxOutputTokens()).isEqualTo(300);
        assertThat(s.judgeMaxOutputTokens()).isEqualTo(700);
        assertThat(s.budgetUsd()).as("no budget").isNull();
        assertThat(s.shuffleSeed()).isEqualTo(7L);
        assertThat(s.priceBook()).isSameAs(f.priceBook());
        assertThat(f.settings()).as("one immutable view per Fusion").isSameAs(s);
        assertThat(s.panel()).isUnmodifiable();

        FusionSettings budgeted = Fusion.builder().panel(a).judge(judge)
                .price("fake:a", dev.fusion.cost.Price.of("1", "2"))
                .price("fake:judge", dev.fusion.cost.Price.of("1", "2"))
                .budgetUsd(new BigDecimal("0.50")).build().settings();
        assertThat(budgeted.budgetUsd()).isEqualByComparingTo("0.50");
        assertThat(budgeted.priceBook().find(ModelRef.parse("fake:a"))).isPresent();
        assertThat(budgeted.grace()).as("not set").isNull();
    }

    private static ChatModel model(String ref) {
        ModelRef r = ModelRef.parse(ref);
        return new ChatModel() {
            @Override
            public ModelRef ref() {
                return r;
            }

            @Override
            public Mono<ModelResponse> call(ModelRequest request) {
                return Mono.never();
            }
        };
    }

    private static boolean exposed(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static void check(String where, Type t, Set<String> leaks) {
        if (t == null) {
            return;
        }
        if (t instanceof Class<?> c) {
            Class<?> e = c;
            while (e.isArray()) {
                e = e.getComponentType();
            }
            if (e.getName().contains(".internal.")) {
                leaks.add(where + " -> " + e.getName());
            }
        } else if (t instanceof ParameterizedType p) {
            check(where, p.getRawType(), leaks);
            for (Type a : p.getActualTypeArguments()) {
                check(where, a, leaks);
            }
        } else if (t instanceof GenericArrayType g) {
            check(where, g.getGenericComponentType(), leaks);
        } else if (t instanceof WildcardType w) {
            for (Type b : w.getUpperBounds()) {
                check(where, b, leaks);
            }
            for (Type b : w.getLowerBounds()) {
                check(where, b, leaks);
            }
        } else if (t instanceof TypeVariable<?> v) {
            for (Type b : v.getBounds()) {
                if (!(b instanceof TypeVariable<?>)) {
                    check(where, b, leaks);
                }
            }
        }
    }

    /** Every public type (nested ones included when reachable) of fusion-core's public packages. */
    private static List<Class<?>> publicTypes() throws IOException, URISyntaxException {
        Path root = Path.of(Fusion.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".class"))
                    .map(p -> root.relativize(p).toString().replace(java.io.File.separatorChar, '.'))
                    .map(n -> n.substring(0, n.length() - ".class".length()))
                    .filter(n -> !n.contains(".internal.") && !n.endsWith("package-info") && !n.matches(".*\\$\\d.*"))
                    .map(PublicApiTest::load)
                    .filter(PublicApiTest::reachable)
                    .toList();
        }
    }

    private static boolean reachable(Class<?> c) {
        for (Class<?> e = c; e != null; e = e.getDeclaringClass()) {
            if (!Modifier.isPublic(e.getModifiers())) {
                return false;
            }
        }
        return true;
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, PublicApiTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }
}
