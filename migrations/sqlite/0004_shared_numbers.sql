-- A number may be shared by several members (a household landline), so the first number no
-- longer identifies a member. A member is known in a network by the coordinator's own id
-- (`external_id`, unique within the network) or else by name and first number, which the
-- import compares itself (names are compared without case and spacing, which SQL cannot do
-- alike on both databases). Looking up who is reached through a number reads
-- contact_points_number. Kept beside ../postgres/0004_shared_numbers.sql.
DROP INDEX contact_points_first_number;
CREATE INDEX contact_points_number ON contact_points (number, position);
ALTER TABLE network_members ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX network_members_external_id ON network_members (network_id, external_id)
    WHERE external_id IS NOT NULL;
