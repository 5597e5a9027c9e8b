package io.quantserve.worker;

import java.nio.file.Path;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesBinding;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;
import org.springframework.core.convert.converter.Converter;

@SpringBootApplication
@ConfigurationPropertiesScan
public class WorkerApplication {

    public static void main(String[] args) {
        SpringApplication.run(WorkerApplication.class, args);
    }

    /**
     * Path settings bind as written: {@code quantserve.worker.work-dir=../work} is that folder, relative to the
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
