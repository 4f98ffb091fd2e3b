package dev.peephole.collector.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peephole.collector.notify.config.ConfigLoader;
import dev.peephole.collector.notify.config.NotifyRouting;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.subethamail.smtp.auth.EasyAuthenticationHandlerFactory;
import org.subethamail.smtp.auth.LoginFailedException;
import org.subethamail.smtp.server.SMTPServer;

/**
 * E-mail through a real in-process SMTP server (SubEthaSMTP) that requires STARTTLS before
 * anything else and AUTH before MAIL, with a certificate made for the test by keytool and
 * trusted through {@code tls_config.ca_file}.
 */
class EmailIntegrationTest {

    @TempDir
    static Path dir;
    private static SMTPServer smtp;
    private static Path caPem;
    private static final BlockingQueue<byte[]> MESSAGES = new LinkedBlockingQueue<>();
    private static final BlockingQueue<String> LOGINS = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() throws Exception {
        Path ks = dir.resolve("smtp.p12");
        caPem = dir.resolve("ca.pem");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(keytool, "-genkeypair", "-alias", "smtp", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
                "-keystore", ks.toString(), "-storepass", "changeit", "-keypass", "changeit");
        run(keytool, "-exportcert", "-rfc", "-alias", "smtp", "-keystore", ks.toString(), "-storepass", "changeit",
                "-file", caPem.toString());
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        smtp = SMTPServer.port(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .hostName("localhost")
                .enableTLS().requireTLS()
                .startTlsSocketFactory(ctx)
                .authenticationHandlerFactory(new EasyAuthenticationHandlerFactory((user, password, context) -> {
                    if (!"peephole".equals(user) || !"mail-secret-1".equals(password)) {
                        throw new LoginFailedException("bad credentials");
                    }
                    LOGINS.add(user);
                }))
                .requireAuth()
                .messageHandler((context, from, to, data) -> MESSAGES.add(data))
                .build();
        smtp.start();
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    @AfterAll
    static void stop() {
        smtp.stop();
    }

    private static Integration email(String password) {
        NotifyRouting r = new ConfigLoader(Duration.ofSeconds(10)).parse("""
                global:
                  smtp_from: peephole@example.com
                  smtp_smarthost: "127.0.0.1:%d"
                  smtp_auth_username: peephole
                  smtp_auth_password: "%s"
                route: {receiver: ops}
                receivers:
                  - name: ops
                    email_configs:
                      - to: "ops@example.com, lead@example.com"
                        tls_config: {ca_file: "%s"}
                        headers: {X-Peephole-Group: '{{ .GroupLabels.alertname }}'}
                """.formatted(smtp.getPortAllocated(), password, caPem));
        return r.receivers().get("ops").get(0);
    }

    private static Notification notification() {
        Map<String, String> labels = Map.of("alertname", "DiskFull", "host", "db1");
        return new Notification("ops", "{}:{alertname=\"DiskFull\"}", Map.of("alertname", "DiskFull"),
                List.of(new NotifyAlert(Fingerprints.of(labels), 5, labels, Map.of("summary", "disk <97%> full"),
                        Instant.parse("2026-02-01T10:00:00Z"), null, "")), "http://peephole.example");
    }

    @Test
    void mailIsSentOverStartTlsWithAuth() throws Exception {
        email("mail-secret-1").send(notification());
        byte[] data = MESSAGES.poll(30, TimeUnit.SECONDS);
        assertThat(data).as("a message arrived").isNotNull();
        assertThat(LOGINS.poll(1, TimeUnit.SECONDS)).isEqualTo("peephole");
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(data));
        assertThat(m.getSubject()).isEqualTo("[FIRING:1] DiskFull");
        assertThat(m.getFrom()[0].toString()).isEqualTo("peephole@example.com");
        assertThat(m.getAllRecipients()).extracting(Object::toString).containsExactly("ops@example.com", "lead@example.com");
        assertThat(m.getHeader("X-Peephole-Group")).containsExactly("DiskFull");
        MimeMultipart parts = (MimeMultipart) m.getContent();
        assertThat(parts.getCount()).isEqualTo(2);
        assertThat((String) parts.getBodyPart(0).getContent()).contains("FIRING DiskFull: disk <97%> full")
                .contains("http://peephole.example");
        assertThat(parts.getBodyPart(1).getContentType()).startsWith("text/html");
        assertThat((String) parts.getBodyPart(1).getContent()).contains("disk &lt;97%&gt; full");
    }

    @Test
    void aWrongPasswordIsAFailureThatIsNotRetried() {
        Integration bad = email("wrong-password");
        assertThatThrownBy(() -> bad.send(notification()))
                .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining("authentication failed");
    }
}
