package io.quantserve.node;

import java.nio.file.Path;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesBinding;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;
import org.springframework.core.convert.converter.Converter;

/** An inference node: loads one model and serves it through the OpenAI API. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class NodeApplication {
    public static void main(String[] args) {
        SpringApplication.run(NodeApplication.class, args);
    }

    /**
     * Path settings bind as written: {@code quantserve.node.cache-dir=../cache} is that folder, relative to the
     * working directory. (Spring's default conversion looks a relative path up as a resource first, and refuses one
     * that climbs with "..".)
     */
    @Bean
    @ConfigurationPropertiesBinding
    static Converter<String, Path> pathSetting() {
        return new Converter<String, Path>() {
            @Override
            public Path convert(String text) {
                return Path.of(text);
            }
        };
    }
}
