package io.quantserve.registry.quantization;

import jakarta.persistence.LockModeType;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;

public interface QuantizationJobRepository extends JpaRepository<QuantizationJob, UUID> {

    /** The job, row-locked until the transaction ends, so concurrent events and cancels apply one after another. */
    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @Query("select j from QuantizationJob j where j.id = :id")
    Optional<QuantizationJob> findForUpdate(@Param("id") UUID id);

    @Query("""
            select j from QuantizationJob j
            where (:status is null or j.status = :status) and (:modelId is null or j.modelId = :modelId)""")
    Page<QuantizationJob> search(@Param("status") JobStatus status, @Param("modelId") UUID modelId, Pageable page);

    boolean existsByModelId(UUID modelId);

    boolean existsByDatasetId(UUID datasetId);
}
