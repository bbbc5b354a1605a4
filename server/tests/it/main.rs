//! The integration suite as one test binary: one link instead of one per file (each links the
//! whole server, Typst included), which keeps a fresh build small and fast.
mod common;
mod data_export;
mod admin_pages;
mod brand_images;
mod api;
mod audit;
mod billing;
mod cash;
mod customers;
mod disputes;
mod edi;
mod jobs;
mod o2c;
mod portal;
mod queues;
mod rules_admin;
mod security;
mod workflow;
mod webhooks;
mod dunning;
mod outbound;
mod partner;
mod branding;
mod tenants;
mod health;
mod domains;
