package io.switchboard.server.proxy;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/** Bytes on a socket, as a hostile or broken client sends them, and what came back before the gateway closed. */
final class RawHttp
{
    /** What a client read: the bytes (as ISO-8859-1 text), and whether the gateway closed the connection. */
    record Reply(String text, boolean closed)
    {
        /** The status code of the first response, or -1 when none came. */
        int status()
        {
            if (!text.startsWith("HTTP/1.1 ") || text.length() < 12) {
                return -1;
            }
            return Integer.parseInt(text.substring(9, 12));
        }

        /** How many responses the text holds. */
        int responses()
        {
            // status lines: at the start, or right after the previous response's body, which need not end in a newline
            return (int) java.util.regex.Pattern.compile("HTTP/1\\.1 \\d{3} ").matcher(text).results().count();
        }
    }

    private RawHttp() {}

    /** Sends {@code request} and reads until the gateway closes or {@code wait} passes without a byte. */
    static Reply exchange(int port, byte[] request, Duration wait)
            throws IOException
    {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            return readUntilClosed(socket, wait);
        }
    }

    static Reply exchange(int port, String request, Duration wait)
            throws IOException
    {
        return exchange(port, request.getBytes(ISO_8859_1), wait);
    }

    /**
     * Sends {@code request} and reads until the gateway closes, {@code wait} passes without a first byte, or
     * {@code afterAnswer} passes without a further byte once something came back.
     */
    static Reply exchange(int port, byte[] request, Duration wait, Duration afterAnswer)
            throws IOException
    {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            return readUntilClosed(socket, wait, afterAnswer);
        }
    }

    static Reply readUntilClosed(Socket socket, Duration wait)
            throws IOException
    {
        return readUntilClosed(socket, wait, wait);
    }

    private static Reply readUntilClosed(Socket socket, Duration wait, Duration afterAnswer)
            throws IOException
    {
        socket.setSoTimeout((int) wait.toMillis());
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[8192];
        try {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                received.write(buffer, 0, read);
                socket.setSoTimeout((int) afterAnswer.toMillis());
            }
            return new Reply(received.toString(ISO_8859_1), true);
        }
        catch (SocketTimeoutException e) {
            return new Reply(received.toString(ISO_8859_1), false);
        }
        catch (SocketException e) {
            // a reset after the answer: the connection is gone all the same
            return new Reply(received.toString(ISO_8859_1), true);
        }
    }
}
