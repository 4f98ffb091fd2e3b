package dev.peephole.collector.promql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelsTest {
    @Test
    void basics() {
        Map<String, String> m = new HashMap<>();
        m.put("job", "api");
        m.put("__name__", "up");
        m.put("empty", "");
        Labels l = Labels.of(m);
        assertEquals(2, l.size(), "empty values are dropped");
        assertEquals("__name__", l.name(0), "sorted by name");
        assertEquals("up", l.metricName());
        assertEquals("api", l.get("job"));
        assertEquals("", l.get("nope"));
        assertFalse(l.has("nope"));
        assertEquals(List.of("__name__", "job"), new ArrayList<>(l.asMap().keySet()));
        assertEquals(Labels.of("job", "api"), l.without("__name__"));
        assertEquals(Labels.of("job", "api"), l.withoutMetricName());
        assertEquals(Labels.of("job", "api"), l.keep("job", "nope"));
        assertSame(l, l.without("nope"));
        assertEquals(Labels.of("__name__", "up", "a", "1", "job", "api"), l.with("a", "1"));
        assertEquals(Labels.of("__name__", "up"), l.with("job", ""));
        assertEquals("{__name__=\"up\", job=\"api\"}", l.toString());
        assertEquals("{\"a.b\"=\"x\\\"y\"}", Labels.of("a.b", "x\"y").toString());
        assertEquals(Labels.of("job", "api", "__name__", "up").hashCode(), l.hashCode());
    }

    @Test
    void ordering() {
        // Prometheus' labels.Compare: name by name, then value, then length
        assertTrue(Labels.of("a", "1").compareTo(Labels.of("a", "2")) < 0);
        assertTrue(Labels.of("a", "1").compareTo(Labels.of("a", "1", "b", "1")) < 0);
        assertTrue(Labels.of("a", "2").compareTo(Labels.of("a", "1", "b", "1")) > 0);
        assertTrue(Labels.of("__name__", "z").compareTo(Labels.of("a", "1")) < 0);
        assertTrue(Labels.EMPTY.compareTo(Labels.of("a", "1")) < 0);
        assertEquals(0, Labels.of("a", "1").compareTo(Labels.of("a", "1")));
    }
}
