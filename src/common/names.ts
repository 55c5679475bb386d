/**
 * What a name of fedsim's may be (a federation, a region, a cluster, a scenario): lower-case
 * letters, digits and dashes, 2-32 long, starting with a letter and not ending with a dash. It
 * goes into container, network and volume names and Docker labels, so one rule everywhere.
 */
export const NAME_PATTERN = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

/** What a bad name is told. */
export const NAME_RULE = 'expected a lower-case name of 2-32 letters, digits and dashes, starting with a letter';
