-- One audit append in one call (audit/postgres/append.ts): lock the organization's chain head (made at seq 0 with
-- the genesis hash on its first record), stamp the time, chain the hash, insert the record and move the head. The
-- application sends the record's canonical encoding (audit/record.ts) in three pieces around what only the locked
-- head knows: its seq, its time and the previous hash. The hash is sha256 of exactly the text the application would
-- hash, so `audit verify` checks these records like any other.
-- SECURITY INVOKER (the default, written out): the function runs with the caller's own rights, so it can do nothing
-- the serving role could not do with its own statements (INSERT on audit_records, UPDATE on audit_heads), and the
-- append-only and head-forward-only triggers hold it exactly as they hold those statements. SECURITY DEFINER would
-- run it with the owner's rights, who may disable triggers, and would resolve its unqualified tables through the
-- caller's search_path, where a temporary table of the caller's could take the real table's place.
-- EXECUTE is granted to PUBLIC, as for every new function.
CREATE FUNCTION audit_append(
  p_org_id text, p_id text, p_actor_id text, p_token_id text, p_action text, p_resource_type text, p_resource_id text,
  p_before text, p_after text, p_detail text, p_request_id text, p_ip text, p_user_agent text,
  p_encoded_head text, p_encoded_middle text, p_encoded_tail text,
  OUT appended_seq integer, OUT appended_hash text
) LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
DECLARE
  prev_seq integer;
  prev_hash text;
  stamped timestamptz;
  stamped_text text;
BEGIN
  -- A writer of the same organization, on any instance, waits here until this transaction ends.
  SELECT h.seq, h.hash INTO prev_seq, prev_hash FROM audit_heads h WHERE h.org_id = p_org_id FOR UPDATE;
  IF NOT FOUND THEN
    -- Two first appends may race here: the second insert waits for the first, then does nothing, and both read it.
    INSERT INTO audit_heads (org_id, seq, hash) VALUES (p_org_id, 0, repeat('0', 64)) ON CONFLICT DO NOTHING;
    SELECT h.seq, h.hash INTO STRICT prev_seq, prev_hash FROM audit_heads h WHERE h.org_id = p_org_id FOR UPDATE;
  END IF;
  appended_seq := prev_seq + 1;
  -- Milliseconds, as the column keeps them (it would round more precise ones) and as Date.toISOString() writes them.
  stamped := date_trunc('milliseconds', clock_timestamp());
  stamped_text := to_char(stamped AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
  -- to_json() escapes text as JSON.stringify does (both only escape '"', '\' and control characters).
  appended_hash := encode(sha256(convert_to(
    p_encoded_head || appended_seq || p_encoded_middle || to_json(stamped_text)::text || p_encoded_tail || to_json(prev_hash)::text || ']',
    'UTF8')), 'hex');
  INSERT INTO audit_records (id, org_id, seq, at, actor_id, token_id, action, resource_type, resource_id, before, after, detail,
    request_id, ip, user_agent, prev_hash, hash)
  VALUES (p_id, p_org_id, appended_seq, stamped, p_actor_id, p_token_id, p_action, p_resource_type, p_resource_id, p_before, p_after,
    p_detail, p_request_id, p_ip, p_user_agent, prev_hash, appended_hash);
  UPDATE audit_heads h SET seq = appended_seq, hash = appended_hash WHERE h.org_id = p_org_id;
END
$$;
