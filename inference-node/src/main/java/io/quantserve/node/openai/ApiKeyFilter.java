package io.quantserve.node.openai;

import io.quantserve.node.config.NodeProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * vLLM's {@code --api-key}: with {@code quantserve.node.api-key} set, every request needs {@code Authorization: Bearer
 * <one of the keys>} (what OpenAI clients send) or gets OpenAI's 401. {@code /health} and {@code /metrics} stay open
 * for probes and scrapers. Without keys the node serves anyone, as vLLM does.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 100)
class ApiKeyFilter extends OncePerRequestFilter {
    private static final Logger log = LoggerFactory.getLogger(ApiKeyFilter.class);
    private static final String BEARER = "Bearer ";

    private final List<byte[]> keys;
    private final JsonMapper json;

    ApiKeyFilter(NodeProperties properties, JsonMapper json) {
        this.keys = properties.apiKey().stream().map(String::strip).filter(k -> !k.isEmpty())
                .map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
        this.json = json;
        if (!keys.isEmpty()) {
            log.info("API key required ({} key{}) on every route but /health and /metrics", keys.size(),
                    keys.size() == 1 ? "" : "s");
        }
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return keys.isEmpty() || path.equals("/metrics") || path.equals("/health") || path.startsWith("/health/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            refuse(response, "No API key provided: send it as 'Authorization: Bearer KEY'.");
            return;
        }
        byte[] given = authorization.substring(BEARER.length()).strip().getBytes(StandardCharsets.UTF_8);
        if (keys.stream().noneMatch(key -> MessageDigest.isEqual(key, given))) { // time independent of the content
            refuse(response, "Incorrect API key provided.");
            return;
        }
        chain.doFilter(request, response);
    }

    private void refuse(HttpServletResponse response, String message) throws IOException {
        response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        response.setContentType("application/json");
        json.writeValue(response.getOutputStream(),
                ErrorResponse.of(message, "invalid_request_error", null, "invalid_api_key"));
    }
}
