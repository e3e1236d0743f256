"""The lecture notes' networks and experiments: hand-set logic gates, the worked 2-2-2 example
(lecture 004), the XOR success-rate experiment, regularized regression (ridge, lasso, the noise
level's MLE), basis-function and RBF regression (notes 002), and universal approximation with
K-class softmax outputs (notes 000 and 003)."""
