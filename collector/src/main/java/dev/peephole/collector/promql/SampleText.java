package dev.peephole.collector.promql;

/**
 * The API text of some of a series' sample values, already made (a storage that keeps settled
 * samples in memory can keep their text too): a day-long range query of 100 series writes 144,000
 * values, and turning each double into its shortest decimal was two thirds of such a query's CPU.
 * The text is only ever the one {@link PromQLFormat#putApiValue} writes for the same double.
 */
@FunctionalInterface
public interface SampleText {

    /**
     * Writes the text of sample {@code i}'s value into dst at pos and returns the position after it;
     * returns -1 (writing nothing) when there is no text for it or the sample's value is not
     * bit for bit {@code v}. Room for {@link PromQLFormat#MAX_API_VALUE_BYTES} is there.
     */
    int put(int i, double v, byte[] dst, int pos);

    /**
     * The text of another series' points, each taken from the sample of this one that {@code source[k]}
     * names (-1: none): a query's answer whose values are its input's, as a plain selector's are.
     */
    static SampleText mapped(int[] source, SampleText text) {
        return (k, v, dst, pos) -> source[k] < 0 ? -1 : text.put(source[k], v, dst, pos);
    }
}
