package dev.peephole.collector.notify;

import dev.peephole.collector.http.TimeParams;
import dev.peephole.collector.notify.config.NotifyRouting;
import dev.peephole.collector.security.Requests;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The configured receivers with their integrations (secrets redacted) and the delivery log. */
@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
public class ChannelsController {

    private final NotificationService service;
    private final DeliveryLog log;

    public ChannelsController(NotificationService service, DeliveryLog log) {
        this.service = service;
        this.log = log;
    }

    @Serdeable
    public record Data<T>(String status, T data) {
    }

    @Get("/channels")
    public Data<List<Map<String, Object>>> channels(HttpRequest<?> request) {
        Requests.principal(request);
        NotifyRouting r = service.routing();
        List<Map<String, Object>> out = new ArrayList<>();
        r.receivers().forEach((name, integrations) -> out.add(receiver(name, integrations)));
        if (!r.alertmanagers().isEmpty()) {
            out.add(receiver(Delivery.ALERTMANAGERS, r.alertmanagers()));
        }
        return new Data<>("success", out);
    }

    private static Map<String, Object> receiver(String name, List<Integration> integrations) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        List<Map<String, Object>> list = new ArrayList<>();
        for (Integration i : integrations) {
            Map<String, Object> im = new LinkedHashMap<>();
            im.put("type", i.type());
            im.putAll(i.describe());
            list.add(im);
        }
        m.put("integrations", list);
        return m;
    }

    @Get("/notifications/log")
    public Data<List<DeliveryRecord>> deliveries(HttpRequest<?> request, @Nullable @QueryValue String receiver,
                                                 @Nullable @QueryValue String limit) {
        Requests.principal(request);
        int n = limit == null ? 100 : TimeParams.parsePositiveInt("limit", limit, 10_000);
        return new Data<>("success", log.recent(receiver, n));
    }
}
