package io.quantserve.registry.outbox;

import jakarta.persistence.LockModeType;
import jakarta.persistence.QueryHint;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.jpa.repository.QueryHints;
import org.springframework.data.repository.query.Param;

public interface OutboxRepository extends JpaRepository<OutboxMessage, Long> {

    /** The oldest messages not relayed yet, in id order. */
    List<OutboxMessage> findBySentAtIsNullOrderByIdAsc(Limit limit);

    long countBySentAtIsNull();

    /**
     * The oldest unsent messages, locked for the relay's transaction; rows another relay holds are skipped
     * (FOR UPDATE SKIP LOCKED where the database has it).
     */
    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @QueryHints(@QueryHint(name = "jakarta.persistence.lock.timeout", value = "-2"))
    @Query("select m from OutboxMessage m where m.sentAt is null order by m.id")
    List<OutboxMessage> lockUnsent(Limit limit);

    default List<OutboxMessage> lockUnsent(int max) {
        return lockUnsent(Limit.of(max));
    }

    @Modifying
    @Query("update OutboxMessage m set m.sentAt = :sentAt where m.id in :ids")
    int markSent(@Param("ids") Collection<Long> ids, @Param("sentAt") Instant sentAt);
}
