package io.quantserve.registry.outbox;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;

public interface OutboxRepository extends JpaRepository<OutboxMessage, Long> {

    /** The oldest messages not relayed yet, in id order. */
    List<OutboxMessage> findBySentAtIsNullOrderByIdAsc(Limit limit);

    long countBySentAtIsNull();

    @Modifying
    @Query("update OutboxMessage m set m.sentAt = :sentAt where m.id in :ids")
    int markSent(@Param("ids") Collection<Long> ids, @Param("sentAt") Instant sentAt);
}
