package io.quantserve.engine.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a SentencePiece {@code tokenizer.model} (a serialized {@code ModelProto}): the pieces
 * with score and type, the trainer spec (model type, unk/bos/eos ids) and the normalizer spec
 * (add_dummy_prefix, remove_extra_whitespaces). Only BPE models are accepted — unigram models
 * need Viterbi segmentation, which this engine does not implement.
 */
final class SentencePieceModelLoader {
    // ModelProto
    private static final int PIECES = 1;
    private static final int TRAINER_SPEC = 2;
    private static final int NORMALIZER_SPEC = 3;
    // ModelProto.SentencePiece
    private static final int PIECE = 1;
    private static final int SCORE = 2;
    private static final int TYPE = 3;
    // TrainerSpec
    private static final int MODEL_TYPE = 3;
    private static final int UNK_ID = 40;
    private static final int BOS_ID = 41;
    private static final int EOS_ID = 42;
    // NormalizerSpec
    private static final int NORMALIZER_NAME = 1;
    private static final int ADD_DUMMY_PREFIX = 3;
    private static final int REMOVE_EXTRA_WHITESPACES = 4;

    private static final int MODEL_TYPE_BPE = 2;

    private SentencePieceModelLoader() {
    }

    static SentencePieceTokenizer load(Path file, TokenizerConfig config) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return parse(file, bytes, config);
        } catch (ProtoReader.MalformedException e) {
            throw new TokenizerFormatException(file, "malformed SentencePiece model: " + e.getMessage(), e);
        }
    }

    private static SentencePieceTokenizer parse(Path file, byte[] bytes, TokenizerConfig config) {
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<TokenType> types = new ArrayList<>();
        int modelType = 1; // proto default: UNIGRAM
        int unk = 0;
        int bos = 1;
        int eos = 2;
        boolean addDummyPrefix = true;
        boolean removeExtraWhitespace = true;
        String normalizer = "";

        ProtoReader model = new ProtoReader(bytes);
        while (model.next()) {
            switch (model.field()) {
                case PIECES -> {
                    ProtoReader p = model.message();
                    String piece = null;
                    float score = 0;
                    int type = 1;
                    while (p.next()) {
                        switch (p.field()) {
                            case PIECE -> piece = p.string();
                            case SCORE -> score = p.float32();
                            case TYPE -> type = (int) p.varintField();
                            default -> p.skip();
                        }
                    }
                    if (piece == null) {
                        throw new TokenizerFormatException(file, "piece #" + pieces.size() + " has no text");
                    }
                    pieces.add(piece);
                    scores.add(score);
                    try {
                        types.add(TokenType.fromCode(type));
                    } catch (IllegalArgumentException e) {
                        throw new TokenizerFormatException(file, "piece '" + piece + "': " + e.getMessage());
                    }
                }
                case TRAINER_SPEC -> {
                    ProtoReader t = model.message();
                    while (t.next()) {
                        switch (t.field()) {
                            case MODEL_TYPE -> modelType = (int) t.varintField();
                            case UNK_ID -> unk = (int) t.varintField();
                            case BOS_ID -> bos = (int) t.varintField();
                            case EOS_ID -> eos = (int) t.varintField();
                            default -> t.skip();
                        }
                    }
                }
                case NORMALIZER_SPEC -> {
                    ProtoReader n = model.message();
                    while (n.next()) {
                        switch (n.field()) {
                            case NORMALIZER_NAME -> normalizer = n.string();
                            case ADD_DUMMY_PREFIX -> addDummyPrefix = n.varintField() != 0;
                            case REMOVE_EXTRA_WHITESPACES -> removeExtraWhitespace = n.varintField() != 0;
                            default -> n.skip();
                        }
                    }
                }
                default -> model.skip();
            }
        }
        if (pieces.isEmpty()) {
            throw new TokenizerFormatException(file, "no pieces: not a SentencePiece model");
        }
        if (modelType != MODEL_TYPE_BPE) {
            String name = switch (modelType) {
                case 1 -> "UNIGRAM";
                case 3 -> "WORD";
                case 4 -> "CHAR";
                default -> "type " + modelType;
            };
            throw new TokenizerFormatException(file, "unsupported SentencePiece model type " + name + " (only BPE)");
        }
        if (!normalizer.isEmpty() && !normalizer.equals("identity")) {
            org.slf4j.LoggerFactory.getLogger(SentencePieceModelLoader.class).warn(
                    "{}: normalizer '{}' is not applied (only whitespace handling is)", file, normalizer);
        }
        float[] scoreArray = new float[scores.size()];
        for (int i = 0; i < scoreArray.length; i++) {
            scoreArray[i] = scores.get(i);
        }
        // tokenizer_config.json, when present, overrides the ids and flags stated in the model
        List<String> finalPieces = pieces;
        bos = config.bosToken().map(t -> finalPieces.indexOf(t)).filter(i -> i >= 0).orElse(bos);
        List<Integer> eosIds = new ArrayList<>();
        eosIds.add(config.eosToken().map(t -> finalPieces.indexOf(t)).filter(i -> i >= 0).orElse(eos));
        eosIds.addAll(config.generationEosIds());
        Vocabulary vocab = new Vocabulary(pieces, types, bos, eosIds.stream().mapToInt(Integer::intValue).toArray(),
                unk, config.addBos().orElse(true), config.addEos().orElse(false));
        return new SentencePieceTokenizer(vocab, scoreArray, null, addDummyPrefix, true, removeExtraWhitespace);
    }
}
