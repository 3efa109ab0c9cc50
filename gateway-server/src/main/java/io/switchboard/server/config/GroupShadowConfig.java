package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigValues.require;

import io.switchboard.core.ReadOnlyStatement;

import java.util.List;

/**
 * What a routing group mirrors to a shadow cluster.
 *
 * @param cluster the shadow cluster's id; it must be marked {@code shadow: true}
 * @param samplePercent the share of the group's statements mirrored, 0 to 100 (default 100)
 * @param statementKinds the kinds that may be mirrored, among {@code select}, {@code with}, {@code values},
 *     {@code table}, {@code show}, {@code describe}, {@code explain}; all of them by default. Statements that may
 *     write are never mirrored, and neither is anything inside a transaction
 */
public record GroupShadowConfig(String cluster, Double samplePercent, List<String> statementKinds)
{
    public GroupShadowConfig
    {
        require(cluster != null, "cluster: is required");
        samplePercent = samplePercent == null ? 100.0 : samplePercent;
        require(samplePercent >= 0 && samplePercent <= 100, "sample-percent: must be between 0 and 100");
        statementKinds = statementKinds == null ? ReadOnlyStatement.configNames() : List.copyOf(statementKinds);
        require(!statementKinds.isEmpty(), "statement-kinds: must name at least one kind");
        for (int i = 0; i < statementKinds.size(); i++) {
            String kind = statementKinds.get(i);
            require(ReadOnlyStatement.ofConfigName(kind).isPresent(),
                    "statement-kinds[" + i + "]: '" + kind + "' cannot be mirrored: only statements that only read are, one of " + ReadOnlyStatement.configNames());
        }
    }
}
