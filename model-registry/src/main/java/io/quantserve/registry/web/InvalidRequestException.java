package io.quantserve.registry.web;

import java.util.List;

/** 400 listing what is wrong, field by field. */
public class InvalidRequestException extends RuntimeException {
    private final List<FieldProblem> problems;

    public InvalidRequestException(List<FieldProblem> problems) {
        super(problems.stream().map(p -> p.field() + ": " + p.message()).reduce((a, b) -> a + "; " + b).orElse(""));
        this.problems = List.copyOf(problems);
    }

    public InvalidRequestException(String field, String message) {
        this(List.of(new FieldProblem(field, message)));
    }

    public List<FieldProblem> problems() {
        return problems;
    }

    /** One invalid field (a JSON property, a form part, a file name, a line of a dataset...). */
    public record FieldProblem(String field, String message) {
    }
}
