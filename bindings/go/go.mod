module culex

go 1.19
