package io.quantserve.engine.serve;

/** Why a sequence ended; STOP, LENGTH and ABORT are the OpenAI API's finish reasons, ERROR is ours. */
public enum FinishReason {
    /** a stop token id was sampled */
    STOP,
    /** max tokens generated */
    LENGTH,
    /** the client went away or cancelled */
    ABORT,
    /** the request could not run, e.g. it needs more KV cache than the whole pool holds */
    ERROR
}
