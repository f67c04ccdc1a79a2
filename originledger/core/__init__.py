"""The kernel's pure types: transactions, blocks, state, proofs, codes and the module
protocol. Nothing here reads a clock, a file or a socket (see docs/architecture.md)."""
