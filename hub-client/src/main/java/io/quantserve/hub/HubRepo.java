package io.quantserve.hub;

import java.util.List;

/** A Hub repository at one commit: {@code sha} is the resolved revision. */
public record HubRepo(String id, String revision, String sha, List<HubFile> files) {
}
