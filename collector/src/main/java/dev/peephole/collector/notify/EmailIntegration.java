package dev.peephole.collector.notify;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Alertmanager's {@code email_configs}: SMTP through Jakarta Mail (Eclipse Angus), STARTTLS
 * (required unless {@code require_tls: false}), AUTH with {@code auth_username} /
 * {@code auth_password}, port 465 as implicit TLS; {@code tls_config.ca_file} trusts a private CA.
 */
public final class EmailIntegration implements Integration {

    private final String to;
    private final String from;
    private final String host;
    private final int port;
    private final String hello;
    private final String username;
    private final String password;
    private final boolean requireTls;
    private final boolean insecureSkipVerify;
    private final SSLSocketFactory socketFactory;
    private final Map<String, GoTemplate> headers;
    private final GoTemplate html;
    private final GoTemplate text;
    private final boolean sendResolved;
    private final Duration timeout;
    private final String caFile;

    public EmailIntegration(String to, String from, String smarthost, String hello, String username, String password,
                            boolean requireTls, boolean insecureSkipVerify, String caFile, Map<String, GoTemplate> headers,
                            GoTemplate html, GoTemplate text, boolean sendResolved, Duration timeout) {
        this.to = to;
        this.from = from;
        int colon = smarthost.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("smarthost " + smarthost + " needs host:port");
        }
        this.host = smarthost.substring(0, colon);
        try {
            this.port = Integer.parseInt(smarthost.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("smarthost " + smarthost + ": bad port");
        }
        this.hello = hello;
        this.username = username;
        this.password = password;
        this.requireTls = requireTls;
        this.insecureSkipVerify = insecureSkipVerify;
        this.caFile = caFile;
        this.socketFactory = caFile == null ? null : trusting(Path.of(caFile));
        this.headers = headers;
        this.html = html;
        this.text = text;
        this.sendResolved = sendResolved;
        this.timeout = timeout;
    }

    private static SSLSocketFactory trusting(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("ca" + i++, c);
            }
            if (i == 0) {
                throw new IllegalArgumentException("tls_config.ca_file " + pem + " holds no certificate");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx.getSocketFactory();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("tls_config.ca_file " + pem + ": " + e.getMessage());
        }
    }

    @Override
    public String type() {
        return "email";
    }

    @Override
    public boolean sendResolved() {
        return sendResolved;
    }

    /** The message for a notification (not yet sent). */
    public MimeMessage message(Notification n, Session session) throws MessagingException {
        Map<String, Object> data = Payloads.templateData(n);
        MimeMessage msg = new MimeMessage(session);
        msg.setFrom(new InternetAddress(from));
        msg.setRecipients(Message.RecipientType.TO, InternetAddress.parse(to));
        for (Map.Entry<String, GoTemplate> h : headers.entrySet()) {
            String v = h.getValue().render(data).replace('\n', ' ').replace('\r', ' ');
            if (h.getKey().equalsIgnoreCase("Subject")) {
                msg.setSubject(v, "UTF-8");
            } else if (!h.getKey().equalsIgnoreCase("To") && !h.getKey().equalsIgnoreCase("From")) {
                msg.setHeader(h.getKey(), v);
            }
        }
        MimeMultipart alt = new MimeMultipart("alternative");
        if (text != null) {
            MimeBodyPart p = new MimeBodyPart();
            p.setText(text.render(data), "UTF-8", "plain");
            alt.addBodyPart(p);
        }
        if (html != null) {
            MimeBodyPart p = new MimeBodyPart();
            p.setText(html.render(data), "UTF-8", "html");
            alt.addBodyPart(p);
        }
        msg.setContent(alt);
        msg.setSentDate(new java.util.Date());
        return msg;
    }

    @Override
    public void send(Notification n) throws DeliveryException {
        Session session = session();
        MimeMessage msg;
        try {
            msg = message(n, session);
        } catch (MessagingException e) {
            throw failure(e);
        }
        transmit(session, msg);
    }

    /**
     * A report: {@code multipart/mixed} of a {@code multipart/related} (the HTML, its charts as
     * inline PNG parts with {@code Content-ID: <name>}) and the CSV as an attachment; sent to the
     * report's recipients when it names any, else to this configuration's {@code to}.
     */
    public MimeMessage reportMessage(ReportMessage r, Session session) throws MessagingException {
        MimeMessage msg = new MimeMessage(session);
        msg.setFrom(new InternetAddress(from));
        msg.setRecipients(Message.RecipientType.TO, r.to().isEmpty() ? InternetAddress.parse(to)
                : InternetAddress.parse(String.join(", ", r.to())));
        msg.setSubject(r.subject().replace('\n', ' ').replace('\r', ' '), "UTF-8");
        MimeMultipart related = new MimeMultipart("related");
        MimeBodyPart html = new MimeBodyPart();
        html.setText(r.html(), "UTF-8", "html");
        related.addBodyPart(html);
        for (Map.Entry<String, byte[]> png : r.inlinePngs().entrySet()) {
            MimeBodyPart img = new MimeBodyPart();
            img.setDataHandler(new jakarta.activation.DataHandler(
                    new jakarta.mail.util.ByteArrayDataSource(png.getValue(), "image/png")));
            img.setContentID("<" + png.getKey() + ">");
            img.setDisposition(MimeBodyPart.INLINE);
            img.setFileName(png.getKey() + ".png");
            related.addBodyPart(img);
        }
        MimeBodyPart body = new MimeBodyPart();
        body.setContent(related);
        MimeMultipart mixed = new MimeMultipart("mixed");
        mixed.addBodyPart(body);
        MimeBodyPart csv = new MimeBodyPart();
        csv.setDataHandler(new jakarta.activation.DataHandler(new jakarta.mail.util.ByteArrayDataSource(
                r.csv().getBytes(java.nio.charset.StandardCharsets.UTF_8), "text/csv; charset=UTF-8")));
        csv.setFileName(r.csvFileName());
        csv.setDisposition(MimeBodyPart.ATTACHMENT);
        mixed.addBodyPart(csv);
        msg.setContent(mixed);
        msg.setSentDate(new java.util.Date());
        return msg;
    }

    @Override
    public void sendReport(ReportMessage r) throws DeliveryException {
        Session session = session();
        MimeMessage msg;
        try {
            msg = reportMessage(r, session);
        } catch (MessagingException e) {
            throw failure(e);
        }
        transmit(session, msg);
    }

    private Session session() {
        Properties p = new Properties();
        boolean implicitTls = port == 465;
        String proto = implicitTls ? "smtps" : "smtp";
        String k = "mail." + proto + ".";
        p.put("mail.transport.protocol", proto);
        p.put(k + "host", host);
        p.put(k + "port", String.valueOf(port));
        p.put(k + "localhost", hello);
        p.put(k + "auth", String.valueOf(username != null));
        p.put(k + "connectiontimeout", String.valueOf(timeout.toMillis()));
        p.put(k + "timeout", String.valueOf(timeout.toMillis()));
        p.put(k + "writetimeout", String.valueOf(timeout.toMillis()));
        p.put(k + "ssl.checkserveridentity", String.valueOf(!insecureSkipVerify));
        if (!implicitTls) {
            p.put(k + "starttls.enable", "true");
            p.put(k + "starttls.required", String.valueOf(requireTls));
        }
        if (insecureSkipVerify) {
            p.put(k + "ssl.trust", "*");
        }
        if (socketFactory != null) {
            p.put(k + "ssl.socketFactory", socketFactory);
        }
        return Session.getInstance(p);
    }

    private void transmit(Session session, MimeMessage msg) throws DeliveryException {
        String proto = port == 465 ? "smtps" : "smtp";
        try (Transport t = session.getTransport(proto)) {
            t.connect(host, port, username, password);
            t.sendMessage(msg, msg.getAllRecipients());
        } catch (MessagingException e) {
            throw failure(e);
        }
    }

    private static DeliveryException failure(MessagingException e) {
        if (e instanceof AuthenticationFailedException) {
            return new DeliveryException("SMTP authentication failed" + (e.getMessage() == null ? "" : ": " + e.getMessage()), false);
        }
        String why = e.getMessage();
        Throwable cause = e.getCause();
        if (cause != null && cause.getMessage() != null) {
            why = why + " (" + cause.getMessage() + ")";
        }
        return new DeliveryException("SMTP: " + why, true);
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("to", to);
        m.put("from", from);
        m.put("smarthost", host + ":" + port);
        if (username != null) {
            m.put("auth_username", username);
            m.put("auth_password", SECRET);
        }
        m.put("require_tls", requireTls);
        if (caFile != null) {
            m.put("tls_config", Map.of("ca_file", caFile));
        }
        m.put("send_resolved", sendResolved);
        return m;
    }

    @Override
    public List<String> secrets() {
        List<String> s = new ArrayList<>();
        s.add(password);
        return s;
    }
}
