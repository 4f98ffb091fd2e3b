package dev.peephole.agent.core.inst;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.instrument.ClassFileTransformer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The name check in front of Byte Buddy's transformer: the same prefixes {@code ignored()} turns away. */
class NameFilterTest {

    @Test
    void theJdkAndTheAgentAreTurnedAwayByNameButTheWovenJdkClassesAndAppClassesAreNot() {
        for (String skipped : new String[] {"java/lang/String", "java/util/concurrent/ConcurrentHashMap",
            "javax/net/ssl/SSLContext", "jdk/internal/misc/Unsafe", "sun/nio/ch/Net", "com/sun/crypto/provider/AESCrypt",
            "dev/peephole/agent/core/AgentCore", "dev/peephole/agent/shaded/io/grpc/Channel", "net/bytebuddy/ByteBuddy",
            "org/junit/jupiter/api/Test"}) {
            assertThat(Instrumenter.NameFilter.skipped(skipped)).as(skipped).isTrue();
        }
        for (String passed : new String[] {"java/util/concurrent/ThreadPoolExecutor",
            "java/util/concurrent/ArrayBlockingQueue", "java/util/concurrent/LinkedBlockingQueue",
            "java/util/concurrent/LinkedBlockingDeque", "com/sun/net/httpserver/HttpHandler",
            "dev/peephole/doorbell/vision/FaceDetector", "dev/peephole/agentless/App", "javafoo/Bar", "", "org/example/App"}) {
            assertThat(Instrumenter.NameFilter.skipped(passed)).as(passed).isFalse();
        }
        assertThat(Instrumenter.NameFilter.skipped(null)).isFalse();
    }

    @Test
    void onlyWhatPassesTheNameCheckReachesTheTransformerBehindIt() throws Exception {
        List<String> seen = new ArrayList<>();
        ClassFileTransformer behind = new ClassFileTransformer() {
            @Override
            public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
                                    java.security.ProtectionDomain pd, byte[] bytes) {
                seen.add(className);
                return new byte[] {1};
            }
        };
        Instrumenter.NameFilter filter = new Instrumenter.NameFilter(behind);
        Module m = getClass().getModule();
        assertThat(filter.transform(m, null, "java/lang/Object", null, null, new byte[0])).isNull();
        assertThat(filter.transform(m, null, "org/example/App", null, null, new byte[0])).containsExactly(1);
        assertThat(filter.transform(m, null, "java/util/concurrent/ThreadPoolExecutor", null, null, new byte[0]))
                .containsExactly(1);
        assertThat(seen).containsExactly("org/example/App", "java/util/concurrent/ThreadPoolExecutor");
    }
}
