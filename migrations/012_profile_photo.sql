-- A profile photo (issue #19, item 12): the attachment (008) its owner uploaded and claimed for it.
ALTER TABLE profiles ADD COLUMN photo text;
