package io.switchboard.routing.rules;

import static java.util.Objects.requireNonNull;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Matches a string exactly, or against a whole-value regular expression when written {@code regex:<pattern>}. */
public record ValueMatcher(String text, Pattern regex)
{
    public static final String REGEX_PREFIX = "regex:";

    public ValueMatcher
    {
        requireNonNull(text, "text is null");
    }

    public static ValueMatcher parse(String written)
    {
        requireNonNull(written, "value is null");
        if (written.startsWith(REGEX_PREFIX)) {
            String pattern = written.substring(REGEX_PREFIX.length());
            try {
                return new ValueMatcher(written, Pattern.compile(pattern));
            }
            catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("invalid regular expression '" + pattern + "': " + e.getDescription());
            }
        }
        return new ValueMatcher(written, null);
    }

    public boolean matches(String value)
    {
        if (value == null) {
            return false;
        }
        return regex == null ? text.equals(value) : regex.matcher(value).matches();
    }

    @Override
    public String toString()
    {
        return text;
    }
}
