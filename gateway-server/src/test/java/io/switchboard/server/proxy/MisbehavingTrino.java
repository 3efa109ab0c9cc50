package io.switchboard.server.proxy;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A coordinator that is healthy and accepts statements, then misbehaves on the first poll as the statement's SQL
 * text says: {@code silent} (reads the poll and never answers), {@code garbage} (200 with a body that is not JSON),
 * {@code truncated} (promises a body and closes half-way), {@code stall} (sends half a body and pauses for ever),
 * {@code error500}, {@code reset} (closes without a byte). {@code silent-submit} never answers the submission itself.
 * Raw sockets, so that it can break HTTP the way a dying or wedged server does.
 */
final class MisbehavingTrino
        implements AutoCloseable
{
    private final ServerSocket server;
    private final ExecutorService connections = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "misbehaving-trino");
        thread.setDaemon(true);
        return thread;
    });
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger queries = new AtomicInteger();
    private final AtomicInteger silentPolls = new AtomicInteger();

    MisbehavingTrino()
            throws IOException
    {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        connections.execute(this::accept);
    }

    String uri()
    {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    private void accept()
    {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                open.add(socket);
                connections.execute(() -> serve(socket));
            }
            catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket)
    {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            String head = readHead(in);
            if (head == null) {
                return;
            }
            String[] requestLine = head.substring(0, head.indexOf("\r\n")).split(" ");
            String method = requestLine[0];
            String path = requestLine[1];
            int length = contentLength(head);
            String body = new String(in.readNBytes(length), UTF_8);
            if (path.equals("/v1/info")) {
                respond(out, 200, "{\"starting\":false,\"coordinator\":true}");
            }
            else if (method.equals("POST") && path.equals("/v1/statement")) {
                String mode = body.trim();
                if (mode.equals("silent-submit")) {
                    in.read();
                    return;
                }
                String id = "20261126_000000_%05d_broken".formatted(queries.incrementAndGet());
                respond(out, 200, "{\"id\":\"" + id + "\",\"infoUri\":\"" + uri() + "/ui/query.html?" + id + "\",\"nextUri\":\"" + uri()
                        + "/v1/statement/queued/" + id + "/" + mode + "/1\",\"stats\":{\"state\":\"QUEUED\"}}");
            }
            else if (path.startsWith("/v1/statement/queued/")) {
                misbehave(path.split("/")[5], in, out);
            }
            else {
                respond(out, 404, "{}");
            }
        }
        catch (IOException e) {
            // the gateway closed its side: nothing to answer
        }
    }

    private void misbehave(String mode, InputStream in, OutputStream out)
            throws IOException
    {
        String half = "{\"id\":\"20261126_000000_00001_broken\",\"nextUri\":\"" + uri() + "/v1/statement/executing/x/y/2\",\"stats\":{\"state\":\"RUN";
        switch (mode) {
            case "silent" -> {
                silentPolls.incrementAndGet();
                in.read();
            }
            case "garbage" -> respond(out, 200, "{{{ this is not JSON ]]]");
            case "truncated" -> {
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n" + half).getBytes(UTF_8));
                out.flush();
            }
            case "stall" -> {
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n" + half).getBytes(UTF_8));
                out.flush();
                in.read();
            }
            case "error500" -> {
                byte[] text = "Internal Server Error: the coordinator broke\n".getBytes(UTF_8);
                out.write(("HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: " + text.length + "\r\nConnection: close\r\n\r\n")
                        .getBytes(ISO_8859_1));
                out.write(text);
                out.flush();
            }
            default -> {
                // reset: close without a byte
            }
        }
    }

    private static void respond(OutputStream out, int status, String json)
            throws IOException
    {
        byte[] body = json.getBytes(UTF_8);
        out.write(("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                .getBytes(ISO_8859_1));
        out.write(body);
        out.flush();
    }

    private static String readHead(InputStream in)
            throws IOException
    {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int next;
        while ((next = in.read()) >= 0) {
            head.write(next);
            matched = (next == '\r' && (matched == 0 || matched == 2)) || (next == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : 0;
            if (matched == 4) {
                return head.toString(ISO_8859_1);
            }
        }
        return null;
    }

    private static int contentLength(String head)
    {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Integer.parseInt(line.substring(15).trim());
            }
        }
        return 0;
    }

    /** Polls of "silent" queries that arrived and are held unanswered. */
    public int silentPolls()
    {
        return silentPolls.get();
    }

    @Override
    public void close()
            throws IOException
    {
        server.close();
        for (Socket socket : open) {
            socket.close();
        }
        connections.shutdownNow();
    }
}
