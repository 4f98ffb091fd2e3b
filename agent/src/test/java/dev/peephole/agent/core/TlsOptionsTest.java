package dev.peephole.agent.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.agent.core.config.AgentConfig;
import dev.peephole.agent.core.transport.Sender;
import org.junit.jupiter.api.Test;

class TlsOptionsTest {
    private static Sender.Options options(String args) throws Exception {
        return AgentCore.senderOptions(AgentConfig.load(args, new java.util.Properties(), java.util.Map.of()));
    }

    @Test
    void tlsIsOffByDefaultOnWithTlsTrueAndOnWhenACaIsGiven() throws Exception {
        Sender.Options plain = options("collector=h:1");
        assertThat(plain.tls).isFalse();
        assertThat(options("collector=h:1,tls=true").tls).isTrue();
        Sender.Options withCa = options("collector=h:1,ca=/etc/peephole/ca.pem");
        assertThat(withCa.tls).isTrue();
        assertThat(withCa.caFile).isEqualTo("/etc/peephole/ca.pem");
    }
}
