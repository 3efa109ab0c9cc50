package io.switchboard.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

final class TestBoundedInterner
{
    @Test
    void equalValuesShareTheFirstInstance()
    {
        BoundedInterner<String> interner = new BoundedInterner<>(10);
        String first = new String("alice");

        assertThat(interner.intern(first)).isSameAs(first);
        assertThat(interner.intern(new String("alice"))).isSameAs(first);
        assertThat(interner.intern(null)).isNull();
    }

    @Test
    void aFloodOfDistinctValuesNeverGrowsItPastItsLimit()
    {
        BoundedInterner<String> interner = new BoundedInterner<>(100);
        for (int n = 0; n < 10_000; n++) {
            String value = "user_" + n;
            assertThat(interner.intern(value)).isEqualTo(value);
            assertThat(interner.size()).isLessThanOrEqualTo(100);
        }
    }

    @Test
    void afterStartingOverAValueIsSharedAgain()
    {
        BoundedInterner<String> interner = new BoundedInterner<>(2);
        interner.intern("a");
        interner.intern("b");
        String c = interner.intern(new String("c"));

        assertThat(interner.size()).isEqualTo(1);
        assertThat(interner.intern(new String("c"))).isSameAs(c);
    }
}
