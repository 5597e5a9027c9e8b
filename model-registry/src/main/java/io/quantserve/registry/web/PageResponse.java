package io.quantserve.registry.web;

import java.util.List;
import java.util.function.Function;
import org.springframework.data.domain.Page;

/** One page of a list: the items and where the page is (page numbers from 0). */
public record PageResponse<T>(List<T> items, PageInfo page) {

    public record PageInfo(int number, int size, long totalItems, int totalPages, String sort) {
    }

    public static <E, T> PageResponse<T> of(Page<E> page, Function<E, T> mapper) {
        return new PageResponse<>(page.getContent().stream().map(mapper).toList(), new PageInfo(page.getNumber(),
                page.getSize(), page.getTotalElements(), page.getTotalPages(), page.getSort().toString()));
    }
}
