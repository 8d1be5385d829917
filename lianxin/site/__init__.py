"""The site level's own app: what collects every installed app (the worker, `/me`), above all of them."""
