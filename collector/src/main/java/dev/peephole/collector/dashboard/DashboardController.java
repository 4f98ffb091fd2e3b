package dev.peephole.collector.dashboard;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import java.io.IOException;
import java.io.InputStream;

/**
 * The dashboard's HTML shell at {@code /}; its scripts, styles and uPlot are static
 * resources under {@code /ui/} (from the peephole-dashboard-ui jar on the classpath).
 */
@Controller
public class DashboardController {

    private static final String SHELL = "META-INF/peephole-dashboard/index.html";
    private final byte[] shell;

    public DashboardController() throws IOException {
        try (InputStream in = DashboardController.class.getClassLoader().getResourceAsStream(SHELL)) {
            shell = in == null ? null : in.readAllBytes();
        }
    }

    @Get(value = "/", produces = MediaType.TEXT_HTML)
    public HttpResponse<?> index() {
        if (shell == null) {
            return HttpResponse.notFound();
        }
        return HttpResponse.ok(shell).contentType(MediaType.TEXT_HTML_TYPE.toString() + ";charset=utf-8")
                .header("Cache-Control", "no-cache");
    }
}
