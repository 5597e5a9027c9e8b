package io.quantserve.registry.web;

import jakarta.validation.ConstraintViolationException;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.core.PropertyReferenceException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error as an RFC 9457 problem ({@code application/problem+json}): Spring MVC's own (415, 405, 413 upload too
 * large, 404 no route...) through {@link ResponseEntityExceptionHandler}, plus the registry's exceptions. Invalid
 * fields are listed in an {@code errors} array of {@code {field, message}}.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    @ExceptionHandler(NotFoundException.class)
    ProblemDetail notFound(NotFoundException e) {
        return problem(HttpStatus.NOT_FOUND, e.getMessage());
    }

    @ExceptionHandler(ConflictException.class)
    ProblemDetail conflict(ConflictException e) {
        return problem(HttpStatus.CONFLICT, e.getMessage());
    }

    @ExceptionHandler(ServiceBusyException.class)
    ProblemDetail busy(ServiceBusyException e) {
        return problem(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage());
    }

    @ExceptionHandler(RangeNotSatisfiableException.class)
    ResponseEntity<ProblemDetail> rangeNotSatisfiable(RangeNotSatisfiableException e) {
        return ResponseEntity.status(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                .header(HttpHeaders.CONTENT_RANGE, "bytes */" + e.size())
                .body(problem(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE, e.getMessage()));
    }

    @ExceptionHandler(InvalidRequestException.class)
    ProblemDetail invalid(InvalidRequestException e) {
        return withErrors(problem(HttpStatus.BAD_REQUEST, e.getMessage()), e.problems());
    }

    @ExceptionHandler(PropertyReferenceException.class)
    ProblemDetail unknownSortProperty(PropertyReferenceException e) {
        return withErrors(problem(HttpStatus.BAD_REQUEST, "sort: unknown property '" + e.getPropertyName() + "'"),
                List.of(new InvalidRequestException.FieldProblem("sort", "unknown property '" + e.getPropertyName()
                        + "'")));
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ProblemDetail typeMismatch(MethodArgumentTypeMismatchException e) {
        String message = "'" + e.getValue() + "' is not a valid value";
        return withErrors(problem(HttpStatus.BAD_REQUEST, e.getName() + ": " + message),
                List.of(new InvalidRequestException.FieldProblem(e.getName(), message)));
    }

    @ExceptionHandler(ConstraintViolationException.class)
    ProblemDetail constraintViolation(ConstraintViolationException e) {
        List<InvalidRequestException.FieldProblem> problems = e.getConstraintViolations().stream()
                .map(v -> new InvalidRequestException.FieldProblem(v.getPropertyPath().toString(), v.getMessage()))
                .toList();
        return withErrors(problem(HttpStatus.BAD_REQUEST, "invalid request"), problems);
    }

    @ExceptionHandler(MultipartException.class)
    ProblemDetail badMultipart(MultipartException e) {
        return problem(HttpStatus.BAD_REQUEST, "malformed multipart request: " + e.getMostSpecificCause().getMessage());
    }

    @ExceptionHandler(Exception.class)
    ProblemDetail unexpected(Exception e) {
        log.error("unexpected error", e);
        return problem(HttpStatus.INTERNAL_SERVER_ERROR, "unexpected error: " + e.getClass().getSimpleName());
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<InvalidRequestException.FieldProblem> problems = e.getBindingResult().getFieldErrors().stream()
                .map(f -> new InvalidRequestException.FieldProblem(f.getField(), f.getDefaultMessage())).toList();
        String detail = problems.stream().map(p -> p.field() + ": " + p.message()).reduce((a, b) -> a + "; " + b)
                .orElse("invalid request body");
        return ResponseEntity.badRequest().body(withErrors(problem(HttpStatus.BAD_REQUEST, detail), problems));
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String cause = e.getMostSpecificCause().getMessage();
        String detail = "malformed JSON request body" + (cause == null ? "" : ": " + cause.lines().findFirst()
                .orElse(""));
        return ResponseEntity.badRequest().body(problem(HttpStatus.BAD_REQUEST, detail));
    }

    private static ProblemDetail problem(HttpStatus status, String detail) {
        return ProblemDetail.forStatusAndDetail(status, detail);
    }

    private static ProblemDetail withErrors(ProblemDetail problem, List<InvalidRequestException.FieldProblem> errors) {
        problem.setProperty("errors", errors.stream().map(p -> Map.of("field", p.field(), "message", p.message()))
                .toList());
        return problem;
    }
}
