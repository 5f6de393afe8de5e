-- One audit append as a procedure that takes the record's fields and nothing else (audit/postgres/append.ts). It does
-- what audit_append (0003) does, and makes the canonical encoding (audit/record.ts) itself, where 0003 took it from
-- the application in three pieces. So the call carries each field once (the record's JSON before and after went
-- twice, as fields and inside the encoding), the application does no encoding, and an encoding that does not match
-- the stored fields cannot be sent. A CALL returns no row to parse, where the function returned one per append.
-- The encoding, field by field: to_json() of a text escapes exactly what JSON.stringify escapes (RFC 8785 strings:
-- '"', '\' and the control characters, with the same short forms and lower-case \u00XX), an absent field is null, and
-- the numbers are integers. test/enterprise/audit-append.test.ts holds the stored hashes equal to the application's.
-- SECURITY INVOKER, as 0003 says why. EXECUTE is granted to PUBLIC, as for every new routine.
-- audit_append stays, for instances of the previous release while a rolling upgrade replaces them: both chain alike.
CREATE PROCEDURE audit_append_record(
  p_org_id text, p_id text, p_actor_id text, p_token_id text, p_action text, p_resource_type text, p_resource_id text,
  p_before text, p_after text, p_detail text, p_request_id text, p_ip text, p_user_agent text
) LANGUAGE plpgsql SECURITY INVOKER AS $$
DECLARE
  prev_seq integer;
  prev_hash text;
  next_seq integer;
  next_hash text;
  stamped timestamptz;
BEGIN
  -- A writer of the same organization, on any instance, waits here until this transaction ends.
  SELECT h.seq, h.hash INTO prev_seq, prev_hash FROM audit_heads h WHERE h.org_id = p_org_id FOR UPDATE;
  IF NOT FOUND THEN
    -- Two first appends may race here: the second insert waits for the first, then does nothing, and both read it.
    INSERT INTO audit_heads (org_id, seq, hash) VALUES (p_org_id, 0, repeat('0', 64)) ON CONFLICT DO NOTHING;
    SELECT h.seq, h.hash INTO STRICT prev_seq, prev_hash FROM audit_heads h WHERE h.org_id = p_org_id FOR UPDATE;
  END IF;
  next_seq := prev_seq + 1;
  -- Milliseconds, as the column keeps them (it would round more precise ones) and as Date.toISOString() writes them.
  stamped := date_trunc('milliseconds', clock_timestamp());
  -- [version, org, seq, id, at, actor, token, action, resource type, resource id, before, after, detail, request id,
  -- ip, user agent, previous hash]: encodeRecord's order. org, id and action are never null (NOT NULL columns).
  next_hash := encode(sha256(convert_to(
    '[1,' || to_json(p_org_id)::text || ',' || next_seq || ',' || to_json(p_id)::text || ','
      || to_json(to_char(stamped AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text || ','
      || coalesce(to_json(p_actor_id)::text, 'null') || ',' || coalesce(to_json(p_token_id)::text, 'null') || ','
      || to_json(p_action)::text || ',' || coalesce(to_json(p_resource_type)::text, 'null') || ','
      || coalesce(to_json(p_resource_id)::text, 'null') || ',' || coalesce(to_json(p_before)::text, 'null') || ','
      || coalesce(to_json(p_after)::text, 'null') || ',' || coalesce(to_json(p_detail)::text, 'null') || ','
      || coalesce(to_json(p_request_id)::text, 'null') || ',' || coalesce(to_json(p_ip)::text, 'null') || ','
      || coalesce(to_json(p_user_agent)::text, 'null') || ',' || to_json(prev_hash)::text || ']',
    'UTF8')), 'hex');
  INSERT INTO audit_records (id, org_id, seq, at, actor_id, token_id, action, resource_type, resource_id, before, after, detail,
    request_id, ip, user_agent, prev_hash, hash)
  VALUES (p_id, p_org_id, next_seq, stamped, p_actor_id, p_token_id, p_action, p_resource_type, p_resource_id, p_before, p_after,
    p_detail, p_request_id, p_ip, p_user_agent, prev_hash, next_hash);
  UPDATE audit_heads h SET seq = next_seq, hash = next_hash WHERE h.org_id = p_org_id;
END
$$;
