DELETE FROM core.calendar_day WHERE day BETWEEN :f AND :l;
