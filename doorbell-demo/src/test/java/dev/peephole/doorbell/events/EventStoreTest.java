package dev.peephole.doorbell.events;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventStoreTest {

    private static DoorbellEvent event(long id, EventType type) {
        return new DoorbellEvent(id, Instant.EPOCH.plusSeconds(id), type, null, null, 0.5, id);
    }

    @Test
    void keepsOnlyTheNewestEventsNewestFirst() {
        EventStore store = new EventStore(10);
        for (long i = 1; i <= 25; i++) {
            store.add(event(i, i % 2 == 0 ? EventType.STRANGER : EventType.DOORBELL_RING));
        }
        assertEquals(10, store.size());
        assertEquals(25, store.totalAdded());
        List<DoorbellEvent> all = store.recent(100, null);
        assertEquals(10, all.size());
        assertEquals(25, all.get(0).getId());
        assertEquals(16, all.get(9).getId());
        List<DoorbellEvent> three = store.recent(3, null);
        assertEquals(List.of(25L, 24L, 23L), List.of(three.get(0).getId(), three.get(1).getId(), three.get(2).getId()));
        List<DoorbellEvent> strangers = store.recent(100, EventType.STRANGER);
        assertEquals(5, strangers.size());
        assertTrue(strangers.stream().allMatch(e -> e.getType() == EventType.STRANGER));
        assertEquals(24, strangers.get(0).getId());
    }

    @Test
    void theDefaultStoreHoldsAThousand() {
        EventStore store = new EventStore();
        for (long i = 1; i <= 5000; i++) {
            store.add(event(i, EventType.VISITOR_RECOGNIZED));
        }
        assertEquals(1000, store.size());
        assertEquals(1000, store.recent(5000, null).size());
        assertTrue(store.recent(0, null).isEmpty());
    }
}
