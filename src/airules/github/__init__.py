"""The GitHub side of airules: `airules-pr` for one repository or a whole organisation.

client: REST and GraphQL, one rate-limit budget for the run; reader: many repositories per
GraphQL query, each as a snapshot the engine reads through `RemoteTree`; sync: the decisions;
writer: one tree, one commit, one ref update, one pull request call; fleet: `--org`, `--repos`,
`--shard`, `--report` and the summary; cli: the command line.

Only this package imports PyGithub, and only once `airules-pr` runs: importing it costs
nothing, so the local check never pays for it."""
