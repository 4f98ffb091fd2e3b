package dev.peephole.doorbell.vision;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The enrolled people and the face template of each. Thread-safe. */
public final class Gallery {

    /** One enrolled person and their template (a unit-length identity vector). */
    public static final class Entry {
        private final Person person;
        private final float[] template;

        Entry(Person person, float[] template) {
            this.person = person;
            this.template = template;
        }

        public Person getPerson() {
            return person;
        }

        float[] template() {
            return template;
        }
    }

    private final List<Entry> entries = new CopyOnWriteArrayList<>();

    /**
     * Enrols a person from the identity vectors of several photos; their normalised mean becomes
     * the template. Enrolling an id again replaces the earlier entry.
     */
    public void enroll(Person person, List<float[]> vectors) {
        if (vectors.isEmpty()) {
            throw new IllegalArgumentException("no face vectors for " + person);
        }
        float[] template = new float[vectors.get(0).length];
        for (float[] v : vectors) {
            for (int i = 0; i < template.length; i++) {
                template[i] += v[i];
            }
        }
        FaceEncoder.normalize(template);
        remove(person.getId());
        entries.add(new Entry(person, template));
    }

    public boolean remove(String personId) {
        return entries.removeIf(e -> e.person.getId().equals(personId));
    }

    public List<Entry> entries() {
        return Collections.unmodifiableList(new ArrayList<>(entries));
    }

    public List<Person> people() {
        List<Person> people = new ArrayList<>();
        for (Entry e : entries) {
            people.add(e.person);
        }
        return people;
    }

    public int size() {
        return entries.size();
    }
}
