package io.quantserve.worker.job;

import io.quantserve.contracts.quantization.ArtifactManifest;

/** A published artifact: its manifest and its {@code quantization_report.json} text (null if it has none). */
record PublishedArtifact(ArtifactManifest manifest, String report) {
}
