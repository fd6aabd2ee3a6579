"""党建 pages: 党组织, 党员, 党员中心户 (with the assignment editor), 覆盖情况, 走访记录."""
