import MgitInterop

extension TransformerNetwork {
    /// The next-token cross-entropy and accuracy of a decoder on `tokens`: position `t` of each sequence
    /// predicts token `t + 1`, so `B·(T − 1)` predictions are scored — the loss `transformers` reports for
    /// `labels = input_ids`. Losses are summed in `Double` in sequence order.
    ///
    /// - Parameters:
    ///   - tokens: Ids `[B, T]`, `T ≥ 2`.
    ///   - batch: Sequences per forward pass (bounds memory: logits are `[batch·T, V]` floats).
    /// - Throws: `MgitError(.invalidInput)` for an encoder, sequences shorter than 2, or ids out of range.
    public func nextTokenEvaluation(_ tokens: TokenBatch, batch: Int = 8) throws -> EvalResult {
        guard config.family != .bert, config.hasLMHead else {
            throw MgitError(.invalidInput, "\(config.summary) is an encoder; next-token loss needs a decoder "
                            + "(evaluate encoders with --eval-cmd, docs/EVALUATORS.md)")
        }
        guard tokens.length >= 2 else {
            throw MgitError(.invalidInput, "next-token evaluation needs sequences of at least 2 tokens, not \(tokens.length)")
        }
        precondition(batch > 0)
        let t = tokens.length
        var lossSum = 0.0, correct = 0, count = 0
        var start = 0
        while start < tokens.batch {
            let end = min(start + batch, tokens.batch)
            let part = tokens.sequences(start..<end)
            guard let logits = try forward(part).logits else { break }
            var rows: [Int] = [], labels: [Int] = []
            for s in 0..<part.batch {
                for p in 0..<(t - 1) {
                    rows.append(s * t + p)
                    labels.append(part.ids[s * t + p + 1])
                }
            }
            let scored = Evaluation.score(logits: logits.rows(at: rows), labels: labels[...])
            lossSum += scored.lossSum
            correct += scored.correct
            count += labels.count
            start = end
        }
        return EvalResult(loss: count == 0 ? 0 : lossSum / Double(count),
                          accuracy: count == 0 ? 0 : Double(correct) / Double(count), count: count)
    }
}
