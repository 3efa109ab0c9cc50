package io.switchboard.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Locale;
import java.util.Random;

/**
 * Builds statement-protocol pages shaped like the ones Trino sends while a query streams results: a RUNNING
 * {@code QueryResults} with id, URIs, typed columns, many {@code data} rows of mixed types and full stats.
 */
public final class StatementPages
{
    /** Query id of every generated page. */
    public static final String QUERY_ID = "20261126_101530_00042_abcde";

    private static final String[] STATUSES = {"SHIPPED", "PENDING", "DELIVERED", "CANCELLED", "RETURNED", "AWAITING_PAYMENT"};
    private static final String[] WORDS = {"carefully", "final", "deposits", "sleep", "furiously", "regular", "accounts", "haggle",
            "blithely", "ironic", "packages", "wake", "quickly", "express", "requests", "nag", "slyly", "bold", "theodolites"};
    private static final String[] CITIES = {"Zürich", "São Paulo", "Kraków", "東京", "Reykjavík", "New York", "Montréal", "İstanbul"};

    private StatementPages() {}

    /**
     * A page of at least {@code targetBytes} bytes (and at most one row more).
     *
     * @param backendBase scheme and authority of the cluster that handed the page out, such as {@code http://10.0.0.7:8080}
     */
    public static byte[] runningPage(int targetBytes, String backendBase)
    {
        String head = "{\"id\":\"" + QUERY_ID + "\","
                + "\"infoUri\":\"" + backendBase + "/ui/query.html?" + QUERY_ID + "\","
                + "\"partialCancelUri\":\"" + backendBase + "/v1/statement/executing/partialCancel/" + QUERY_ID + "/0/y1a2b3c4d5e6f7a8b9c0/7\","
                + "\"nextUri\":\"" + backendBase + "/v1/statement/executing/" + QUERY_ID + "/y1a2b3c4d5e6f7a8b9c0/7\","
                + "\"columns\":["
                + column("orderkey", "bigint", "{\"rawType\":\"bigint\",\"arguments\":[]}") + ","
                + column("status", "varchar(32)", "{\"rawType\":\"varchar\",\"arguments\":[{\"kind\":\"LONG\",\"value\":32}]}") + ","
                + column("totalprice", "double", "{\"rawType\":\"double\",\"arguments\":[]}") + ","
                + column("discount", "decimal(12,2)", "{\"rawType\":\"decimal\",\"arguments\":[{\"kind\":\"LONG\",\"value\":12},{\"kind\":\"LONG\",\"value\":2}]}") + ","
                + column("orderdate", "date", "{\"rawType\":\"date\",\"arguments\":[]}") + ","
                + column("shipped_at", "timestamp(3)", "{\"rawType\":\"timestamp\",\"arguments\":[{\"kind\":\"LONG\",\"value\":3}]}") + ","
                + column("priority", "boolean", "{\"rawType\":\"boolean\",\"arguments\":[]}") + ","
                + column("comment", "varchar", "{\"rawType\":\"varchar\",\"arguments\":[{\"kind\":\"LONG\",\"value\":2147483647}]}") + ","
                + column("tags", "array(varchar)", "{\"rawType\":\"array\",\"arguments\":[{\"kind\":\"TYPE\",\"value\":{\"rawType\":\"varchar\",\"arguments\":[]}}]}")
                + "],\"data\":[";
        String tail = "],\"stats\":{\"state\":\"RUNNING\",\"queued\":false,\"scheduled\":true,\"progressPercentage\":37.5,"
                + "\"runningPercentage\":16.67,\"nodes\":3,\"totalSplits\":48,\"queuedSplits\":22,\"runningSplits\":8,\"completedSplits\":18,"
                + "\"planningTimeMillis\":41,\"analysisTimeMillis\":12,\"cpuTimeMillis\":1843,\"wallTimeMillis\":2210,\"queuedTimeMillis\":3,"
                + "\"elapsedTimeMillis\":612,\"finishingTimeMillis\":0,\"physicalInputTimeMillis\":287,\"processedRows\":1250000,"
                + "\"processedBytes\":41837524,\"physicalInputBytes\":18734112,\"physicalWrittenBytes\":0,\"internalNetworkInputBytes\":524288,"
                + "\"peakMemoryBytes\":8388608,\"spilledBytes\":0,\"rootStage\":{\"stageId\":\"0\",\"state\":\"RUNNING\",\"done\":false,\"nodes\":1,"
                + "\"totalSplits\":16,\"queuedSplits\":6,\"runningSplits\":2,\"completedSplits\":8,\"cpuTimeMillis\":212,\"wallTimeMillis\":390,"
                + "\"processedRows\":20,\"processedBytes\":524288,\"physicalInputBytes\":0,\"failedTasks\":0,\"coordinatorOnly\":false,\"subStages\":[]}},"
                + "\"warnings\":[]}";
        StringBuilder page = new StringBuilder(targetBytes + 1024).append(head);
        Random random = new Random(42);
        int bytes = utf8Length(head) + utf8Length(tail);
        for (long row = 0; bytes < targetBytes; row++) {
            String text = row(random, row);
            if (row > 0) {
                page.append(',');
                bytes++;
            }
            page.append(text);
            bytes += utf8Length(text);
        }
        return page.append(tail).toString().getBytes(UTF_8);
    }

    private static String column(String name, String type, String signature)
    {
        return "{\"name\":\"" + name + "\",\"type\":\"" + type + "\",\"typeSignature\":" + signature + "}";
    }

    /** One row as Trino's JSON encodes it: numbers as numbers, decimals, dates and timestamps as strings, nulls. */
    private static String row(Random random, long row)
    {
        StringBuilder text = new StringBuilder(200).append('[');
        text.append(1_000_000L + row).append(',');
        text.append('"').append(STATUSES[random.nextInt(STATUSES.length)]).append("\",");
        text.append(String.format(Locale.ROOT, "%.2f", 900 + random.nextDouble() * 500_000)).append(',');
        text.append(random.nextInt(10) == 0 ? "null" : String.format(Locale.ROOT, "\"%d.%02d\"", random.nextInt(100), random.nextInt(100))).append(',');
        LocalDate date = LocalDate.of(1992, 1, 1).plusDays(random.nextInt(2400));
        text.append('"').append(date).append("\",");
        LocalDateTime shipped = date.atStartOfDay().plusSeconds(random.nextInt(86_400 * 30)).plusNanos(random.nextInt(1000) * 1_000_000L);
        text.append('"').append(shipped.toLocalDate()).append(' ').append(String.format(Locale.ROOT, "%02d:%02d:%02d.%03d",
                shipped.getHour(), shipped.getMinute(), shipped.getSecond(), shipped.getNano() / 1_000_000)).append("\",");
        text.append(random.nextBoolean()).append(',');
        text.append('"');
        int words = 3 + random.nextInt(8);
        for (int i = 0; i < words; i++) {
            if (i > 0) {
                text.append(' ');
            }
            text.append(WORDS[random.nextInt(WORDS.length)]);
        }
        if (random.nextInt(8) == 0) {
            // escapes and non-ASCII text, as user data has them
            text.append(" \\\"").append(CITIES[random.nextInt(CITIES.length)]).append("\\\"\\n\\u00e9");
        }
        text.append("\",[");
        int tags = random.nextInt(4);
        for (int i = 0; i < tags; i++) {
            if (i > 0) {
                text.append(',');
            }
            text.append('"').append(WORDS[random.nextInt(WORDS.length)]).append('"');
        }
        return text.append("]]").toString();
    }

    private static int utf8Length(String text)
    {
        return text.getBytes(UTF_8).length;
    }
}
