package dev.peephole.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class AgentClassLoaderTest {
    /** The agent module's compiled classes stand in for the nested jar. */
    private static AgentMain.AgentClassLoader loader() throws Exception {
        URL classes = Path.of(AgentMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toUri().toURL();
        return new AgentMain.AgentClassLoader(new URL[] {classes});
    }

    @Test
    void isNotParallelCapableSoItKeepsNoLockObjectPerClassName() throws Exception {
        try (AgentMain.AgentClassLoader loader = loader()) {
            assertThat(loader.isRegisteredAsParallelCapable()).isFalse();
        }
    }

    @Test
    void definesItsOwnPackagesItselfAndTakesTheJdkFromThePlatform() throws Exception {
        try (AgentMain.AgentClassLoader loader = loader()) {
            Class<?> own = loader.loadClass("dev.peephole.agent.core.Log");
            assertThat(own.getClassLoader()).isSameAs(loader);
            assertThat(loader.loadClass("java.util.List")).isSameAs(List.class);
            // never from the app's class path, which holds this test
            assertThatThrownBy(() -> loader.loadClass(AgentClassLoaderTest.class.getName()))
                    .isInstanceOf(ClassNotFoundException.class);
            assertThatThrownBy(() -> loader.loadClass("dev.peephole.agent.core.NoSuchClass"))
                    .isInstanceOf(ClassNotFoundException.class);
        }
    }

    @Test
    void threadsLoadingTheSameClassAtOnceGetOneClass() throws Exception {
        try (AgentMain.AgentClassLoader loader = loader()) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Callable<Class<?>>> tasks = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    tasks.add(() -> loader.loadClass("dev.peephole.agent.core.transport.Buffer"));
                }
                Class<?> first = null;
                for (Future<Class<?>> f : pool.invokeAll(tasks)) {
                    Class<?> c = f.get();
                    first = first == null ? c : first;
                    assertThat(c).isSameAs(first);
                }
                assertThat(first.getClassLoader()).isSameAs(loader);
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
