package io.quantserve.node.web;

import io.quantserve.node.config.NodeProperties;
import java.util.List;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import org.springframework.web.filter.CorsFilter;

/**
 * Lets browser apps on other origins call the node, as vLLM's {@code --allowed-origins} (default any origin, no
 * credentials): preflight requests are answered here, before the API key check (browsers send them without the
 * Authorization header), and every response, errors included, carries the CORS headers the browser needs to read it.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 50)
class CrossOriginFilter extends CorsFilter {

    CrossOriginFilter(NodeProperties properties) {
        super(source(properties.allowedOrigins()));
    }

    private static UrlBasedCorsConfigurationSource source(List<String> origins) {
        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
        List<String> allowed = origins.stream().map(String::strip).filter(o -> !o.isEmpty()).toList();
        if (!allowed.isEmpty()) {
            CorsConfiguration cors = new CorsConfiguration();
            cors.setAllowedOriginPatterns(allowed);
            cors.addAllowedMethod(CorsConfiguration.ALL);
            cors.addAllowedHeader(CorsConfiguration.ALL);
            cors.addExposedHeader("Retry-After"); // 429 and 503 say when to come back
            source.registerCorsConfiguration("/**", cors);
        }
        return source;
    }
}
