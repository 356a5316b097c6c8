"""Pure renderers: a FraudPipeline (name + defaulted spec) in, desired child manifests out.

No I/O here. Each module renders one child system; the reconcile chain
(fraud_operator.reconcile) applies them in dependency order. Manifests carry no namespace
and no owner reference: the handler adds both when it adopts them.
"""
