package io.quantserve.launcher;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import com.sun.net.httpserver.HttpServer;

/**
 * A service for {@link PlatformTest} to run as a child JVM: serves {@code /actuator/health} on {@code SERVER_PORT}
 * and {@code /env/<NAME>} (the value of an environment variable), and exits with {@code EXIT_AFTER_MS}'s code 3.
 */
public final class TinyHttpService {

    public static void main(String[] args) throws IOException, InterruptedException {
        HttpServer server = HttpServer.create(new InetSocketAddress("localhost", Integer.parseInt(System.getenv("SERVER_PORT"))), 0);
        server.createContext("/actuator/health", exchange -> reply(exchange, "{\"status\":\"UP\"}"));
        server.createContext("/env/", exchange -> {
            String name = exchange.getRequestURI().getPath().substring("/env/".length());
            reply(exchange, String.valueOf(System.getenv(name)));
        });
        server.start();
        System.out.println("tiny service up with flags " + java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        String exitAfter = System.getenv("EXIT_AFTER_MS");
        if (exitAfter != null) {
            Thread.sleep(Long.parseLong(exitAfter));
            System.exit(3);
        }
    }

    private static void reply(com.sun.net.httpserver.HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
