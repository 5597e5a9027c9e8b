/** QuantServe's pure-Java inference engine: formats, tokenizers, the Llama-family model, CPU kernels, sampling. */
package io.quantserve.engine;
