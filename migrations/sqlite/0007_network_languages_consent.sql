-- The languages a network's members need (bilingual Brussels, the municipalities with
-- language facilities), as codes separated by commas (`nl,fr`); empty when the network asks
-- for none. An alert to the network must carry a text in each. Consent is already kept per
-- member (members.consent_at). Kept beside ../postgres/0007_network_languages_consent.sql.
ALTER TABLE networks ADD COLUMN languages TEXT NOT NULL DEFAULT '';
