package io.quantserve.registry.artifact;

import java.util.UUID;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;

public interface ArtifactRepository extends JpaRepository<Artifact, UUID> {

    @Query("""
            select a from Artifact a
            where (:modelId is null or a.modelId = :modelId) and (:jobId is null or a.jobId = :jobId)""")
    Page<Artifact> search(@Param("modelId") UUID modelId, @Param("jobId") UUID jobId, Pageable page);

    boolean existsByModelId(UUID modelId);
}
