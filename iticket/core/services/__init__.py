"""Use cases. Each public function is one unit of work: it opens the transaction, asks the
policy, changes, logs activity (and queues requester notifications), and commits."""
