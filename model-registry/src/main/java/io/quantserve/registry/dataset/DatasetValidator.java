package io.quantserve.registry.dataset;

import io.quantserve.registry.web.InvalidRequestException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.InputStreamReader;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Checks a calibration file line by line: UTF-8; for JSONL every non-empty line an object with a string "text". */
final class DatasetValidator {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private DatasetValidator() {
    }

    static boolean isJsonl(String filename) {
        return filename.endsWith(".jsonl") || filename.endsWith(".ndjson");
    }

    /** The number of samples. @throws InvalidRequestException naming the line */
    static long countRecords(Path file, boolean jsonl) throws IOException {
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        long records = 0;
        long lineNumber = 0;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(Files.newInputStream(file), decoder))) {
            for (String line; (line = reader.readLine()) != null; ) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                if (jsonl) {
                    checkJsonLine(line, lineNumber);
                }
                records++;
            }
        } catch (CharacterCodingException e) {
            throw new InvalidRequestException("file", "line " + (lineNumber + 1) + " is not UTF-8 text");
        }
        if (records == 0) {
            throw new InvalidRequestException("file", "the dataset has no samples");
        }
        return records;
    }

    private static void checkJsonLine(String line, long lineNumber) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JacksonException e) {
            throw new InvalidRequestException("file", "line " + lineNumber + " is not JSON: " + e.getOriginalMessage());
        }
        if (!node.isObject() || !node.path("text").isString()) {
            throw new InvalidRequestException("file", "line " + lineNumber + " has no string \"text\" field");
        }
    }
}
