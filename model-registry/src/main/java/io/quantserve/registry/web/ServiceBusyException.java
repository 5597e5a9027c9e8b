package io.quantserve.registry.web;

/** 503: the service cannot take more work now (queue full); try again later. */
public class ServiceBusyException extends RuntimeException {
    public ServiceBusyException(String message) {
        super(message);
    }
}
