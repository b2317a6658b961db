DROP TABLE stats_refreshes;
DROP TABLE node_stats;
